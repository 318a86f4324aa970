"""Security profiles 2 and 3 without Qt: the studio's local certificate authority (``ca``),
charger CSR checks and signing (``csr``), TLS contexts and plain-words TLS explanations
(``tls``), Basic-auth passwords / the 1.6 AuthorizationKey (``passwords``), and
``WssEndpoint`` (``server``), everything the studio's ``wss://`` listener needs in one object.

Layer (pyproject's import contracts): between station and transports. It may use the
transports' address helpers; the websocket server does not import it, the composition root
hands it a ``WssEndpoint``. ``tls`` and ``passwords`` need only ``ssl``, ``secrets`` and
``cryptography``, so the stand-alone demo charger may use them; ``ca``, ``csr`` and ``server``
use settings.

References: OCPP 1.6 security whitepaper edition 3 (``reference/ocpp16/``), OCPP 2.0.1
blocks A and M, UK Smart Charge Points Regulations §2.8.2 and §2.8.5.
"""
