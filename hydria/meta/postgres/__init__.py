"""postgres package: the metadata store on PostgreSQL, for several stateless nodes."""
