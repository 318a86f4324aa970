"""Security profiles 2 and 3 without Qt: the studio's local certificate authority (``ca``),
charger CSR checks and signing (``csr``), TLS contexts and plain-words TLS explanations
(``tls``), and Basic-auth passwords / the 1.6 AuthorizationKey (``passwords``).

References: OCPP 1.6 security whitepaper edition 3 (``reference/ocpp16/``), OCPP 2.0.1
blocks A and M, UK Smart Charge Points Regulations §2.8.2 and §2.8.5.
"""
