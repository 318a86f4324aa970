"""Local control API (HTTP+JSON on loopback) and its command-line client."""
