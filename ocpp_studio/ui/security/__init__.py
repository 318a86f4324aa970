"""The Security tab: a selected charger's TLS, certificates, security events and the
guided security upgrade (issue 15)."""
