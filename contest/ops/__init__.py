"""Running the site: request logs, backups, the demo and its scale seed."""
