"""The RSA key pair of the local connected app's JWT bearer flow: Salesforce verifies the assertion
with the certificate uploaded to the connected app; the integration signs with the private key.
Generated once per data folder so the demo's connection can point at the key file."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

KEY_FILE = "salesforce-connected-app.key"
CERT_FILE = "salesforce-connected-app.crt"


def signing_key_pair(folder: Path) -> tuple[Path, str]:
    """(private key file, certificate PEM), created in ``folder`` when missing."""
    key_path, cert_path = Path(folder) / KEY_FILE, Path(folder) / CERT_FILE
    if not (key_path.exists() and cert_path.exists()):
        key_path.parent.mkdir(parents=True, exist_ok=True)
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "crmhub-local-connected-app")])
        now = datetime.now(UTC)
        certificate = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(days=1))
            .not_valid_after(now + timedelta(days=3650))
            .sign(key, hashes.SHA256())
        )
        key_path.write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
        key_path.chmod(0o600)
        cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    return key_path, cert_path.read_text()
