"""Encryption of Douyin tokens at rest (Fernet: AES-128-CBC with HMAC-SHA256).

Keys come from ``CONTEST_TOKEN_KEYS``, comma-separated, newest first: the first
encrypts, all decrypt. To rotate: put a new key first, deploy, run
``flask --app contest rotate-token-key`` (re-encrypts every stored token with the
first key), then drop the old key.

The encrypted column type (``contest.models.types.EncryptedText``) uses the cipher that
:func:`create_app <contest.create_app>` installs with :func:`use_token_cipher` (one per
process: a process serves one site; the last app created wins).
"""

from __future__ import annotations

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

__all__ = ["TokenCipher", "InvalidToken", "cipher_from_config", "new_key", "token_cipher", "use_token_cipher"]


def new_key() -> str:
    return Fernet.generate_key().decode()


def _dev_key(secret: str) -> str:
    """Development and tests only: a key derived from the secret key (production must configure keys)."""
    digest = hashlib.sha256(b"contest-token-key:" + secret.encode()).digest()
    return base64.urlsafe_b64encode(digest).decode()


class TokenCipher:
    def __init__(self, keys: list[str]):
        if not keys:
            raise ValueError("at least one key is needed")
        self.keys = list(keys)
        self._fernet = MultiFernet([Fernet(k.encode()) for k in keys])

    def encrypt(self, plain: str) -> str:
        return self._fernet.encrypt(plain.encode()).decode()

    def decrypt(self, stored: str) -> str:
        return self._fernet.decrypt(stored.encode()).decode()

    def rotate(self, stored: str) -> str:
        return self._fernet.rotate(stored.encode()).decode()


def cipher_from_config(config) -> TokenCipher:
    return TokenCipher(config["CONTEST_TOKEN_KEYS"] or [_dev_key(config["SECRET_KEY"])])


_installed: TokenCipher | None = None


def use_token_cipher(cipher: TokenCipher) -> None:
    """Make ``cipher`` the one that encrypts and decrypts stored tokens (the factory calls this)."""
    global _installed
    _installed = cipher


def token_cipher() -> TokenCipher:
    """The cipher :func:`use_token_cipher` installed."""
    if _installed is None:
        raise RuntimeError("no token cipher: create the app first (contest.create_app installs it)")
    return _installed
