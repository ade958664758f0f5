"""The session store and the sign-in throttle, on SQLite and on PostgreSQL (same SQL)."""
from __future__ import annotations

from litestar.testing import TestClient

from application.caller import Caller
from infrastructure.web_sessions import LoginThrottle, SessionLookup, WebSessionStore
from tests.web.conftest import PASSWORD, candidate_form, login, post
from web.app import create_app


def test_sessions_open_expire_and_close_on_both_stores(make_services, clock) -> None:
    services = make_services()
    store = WebSessionStore(services.database, clock, idle_seconds=600, absolute_seconds=3600)
    token = store.open("account-1")
    session = store.get(token)
    assert session is not None and session.account_id == "account-1"
    assert store.get("not-a-token") is None and store.get("x" * 500) is None
    renewed = store.open("account-1", replacing=token)
    assert store.get(token) is None and store.get(renewed) is not None
    clock.advance(seconds=599)
    assert store.get(renewed) is not None  # and this touch restarts the idle time
    clock.advance(seconds=599)
    assert store.get(renewed) is not None
    clock.advance(seconds=601)
    assert store.get(renewed) is None
    other = store.open("account-2")
    store.close(other)
    assert store.get(other) is None
    third, fourth = store.open("account-3"), store.open("account-3")
    assert store.close_all("account-3") == 2
    assert store.get(third) is None and store.get(fourth) is None


def test_a_short_idle_timeout_is_kept_alive_by_activity(make_services, clock) -> None:
    services = make_services()
    store = WebSessionStore(services.database, clock, idle_seconds=60, absolute_seconds=3600)
    token = store.open("account-1")
    for _ in range(10):
        clock.advance(seconds=40)
        assert store.get(token) is not None
    clock.advance(seconds=61)
    assert store.get(token) is None


def test_a_look_up_writes_nothing_and_says_when_get_would_write(make_services, clock) -> None:
    services = make_services()
    store = WebSessionStore(services.database, clock, idle_seconds=600, absolute_seconds=3600)
    token = store.open("account-1")
    fresh = store.look_up(token)
    assert fresh.session is not None and fresh.session.account_id == "account-1" and not fresh.write_due
    assert store.look_up("not-a-token") == SessionLookup(None, write_due=False)
    clock.advance(seconds=store.touch_interval)
    due = store.look_up(token)
    assert due.session == fresh.session and due.write_due  # a touch is due, and was not made
    assert store.look_up(token).session.last_seen_at == fresh.session.last_seen_at
    store.get(token)  # makes it
    assert not store.look_up(token).write_due
    clock.advance(seconds=601)
    assert store.look_up(token) == SessionLookup(None, write_due=True)  # expired: the row is still there...
    assert store.look_up(token) == SessionLookup(None, write_due=True)
    assert store.get(token) is None  # ...until `get` drops it
    assert store.look_up(token) == SessionLookup(None, write_due=False)


def test_a_look_up_with_its_account_answers_as_a_look_up_then_the_account_query(make_services, clock) -> None:
    services = make_services()
    store = WebSessionStore(services.database, clock, idle_seconds=600, absolute_seconds=3600)
    account_id = str(services.app.open_account("marie.dupont", "advisor", "75001", "un mot de passe assez long",
                                                Caller.cli("test-look-up")))
    token, orphan = store.open(account_id), store.open("no-such-account")
    found, account = store.look_up_with_account(token)
    assert found == store.look_up(token) and found.session is not None and not found.write_due
    assert account == services.accounts.by_id(account_id) and account.username == "marie.dupont"
    assert account.agency_id == "75001" and account.role == "advisor" and account.active
    assert store.look_up_with_account(orphan) == (store.look_up(orphan), None)  # a session without its account
    assert store.look_up_with_account("not-a-token") == (SessionLookup(None, write_due=False), None)
    assert store.look_up_with_account(None) == (SessionLookup(None, write_due=False), None)
    clock.advance(seconds=store.touch_interval)
    assert store.look_up_with_account(token) == (store.look_up(token), account) and found.session is not None
    assert store.look_up_with_account(token)[0].write_due
    clock.advance(seconds=601)
    assert store.look_up_with_account(token) == (SessionLookup(None, write_due=True), None)  # expired


def test_the_throttle_counts_in_a_window_on_both_stores(make_services, clock) -> None:
    services = make_services()
    throttle = LoginThrottle(services.database, clock, max_failures=2, window_seconds=300)
    keys = [LoginThrottle.key("account", "marie"), LoginThrottle.key("address", "192.0.2.1")]
    throttle.record_failure(keys)
    assert throttle.retry_after(keys) == 0
    throttle.record_failure(keys)
    assert 0 < throttle.retry_after(keys) <= 300
    assert throttle.retry_after([keys[1]]) > 0
    throttle.clear(keys[0])
    assert throttle.retry_after([keys[0]]) == 0 and throttle.retry_after(keys) > 0
    clock.advance(seconds=301)
    assert throttle.retry_after(keys) == 0
    throttle.record_failure(keys)  # a new window starts from one failure
    assert throttle.retry_after(keys) == 0
    with services.database.read() as tx:
        stored = {row["throttle_key"] for row in tx.fetchall("SELECT throttle_key FROM login_failures")}
    assert "marie" not in " ".join(stored) and "192.0.2.1" not in " ".join(stored)


def test_sign_in_register_and_search_work_on_both_stores(make_services) -> None:
    services = make_services()
    services.app.open_account("alice", "advisor", "lyon-est", PASSWORD, Caller.cli("test"))
    with TestClient(create_app(services)) as client:
        assert login(client, "alice").status_code == 303
        created = post(client, "/conseiller/demandeurs/nouveau", candidate_form(last_name="Portable"))
        assert created.status_code == 303
        assert "Portable" in client.get("/conseiller/demandeurs?q=portable").text
        assert post(client, "/deconnexion").status_code == 303
        assert client.get("/conseiller", follow_redirects=False).status_code == 303
