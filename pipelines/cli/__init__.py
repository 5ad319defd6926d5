"""`ictbench refresh | validate | status`: the bureau's command line."""
