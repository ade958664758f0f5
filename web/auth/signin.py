"""Checking a sign-in: throttled per account name and (with a far higher limit) per address, same answer
for all failures."""
from __future__ import annotations

from dataclasses import dataclass

from application.ports import PasswordHasher
from application.queries.accounts import AccountQueries, AccountView
from infrastructure.web_sessions import LoginThrottle, WebSessionStore

MAX_PASSWORD_LENGTH = 1024


@dataclass(frozen=True)
class SignInResult:
    account: AccountView | None = None
    token: str | None = None
    retry_after: int = 0

    @property
    def throttled(self) -> bool:
        return self.retry_after > 0


class SignIn:
    def __init__(
        self, accounts: AccountQueries, passwords: PasswordHasher, sessions: WebSessionStore, throttle: LoginThrottle
    ) -> None:
        self.accounts = accounts
        self.passwords = passwords
        self.sessions = sessions
        self.throttle = throttle

    def attempt(self, username: str, password: str, address: str, previous_token: str | None) -> SignInResult:
        username = username.strip().lower()[:100]
        limits = self.throttle.sign_in_keys(username, address)
        keys = list(limits)  # the account's key first
        wait = self.throttle.retry_after(limits)
        if wait:
            return SignInResult(retry_after=wait)
        credentials = self.accounts.credentials(username) if username else None
        if credentials is None or len(password) > MAX_PASSWORD_LENGTH:
            # Spend the time a real check takes: timing must not tell which names exist.
            self.passwords.dummy_verify()
            accepted = False
        else:
            accepted = self.passwords.verify(credentials.password_hash, password) and credentials.account.active
        if not accepted or credentials is None:
            self.throttle.record_failure(keys)
            return SignInResult()
        self.throttle.clear(keys[0])
        token = self.sessions.open(credentials.account.id, replacing=previous_token)
        return SignInResult(account=credentials.account, token=token)
