"""The register of market entities: enterprises and their addresses, below every feature that reads them."""
