"""The nightly sleep job: consolidate, summarise, decay, link, evolve, tidy (see `runner`)."""
