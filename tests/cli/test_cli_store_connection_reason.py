"""Why `supportbot store` cannot reach PostgreSQL, on one line: libpq's reason, never the password."""

from __future__ import annotations

from cli_helpers import run_cli


def test_a_refused_connection_says_connection_refused_on_one_line():
    result = run_cli("store", "migrate", env={"SUPPORTBOT_STORE_URL": "postgresql://bot:s3cret@127.0.0.1:1/x"})
    assert result.returncode == 1
    (line,) = result.stderr.splitlines()
    assert line.startswith("error: cannot connect to postgresql://bot@127.0.0.1:1/x (")
    assert 'connection to server at "127.0.0.1", port 1 failed: Connection refused' in line
    assert "\t" not in line and "s3cret" not in line


def test_a_password_that_libpq_quotes_back_is_masked():
    # a password with a raw % in it: libpq quotes the bad percent-escape, which is the password itself
    for url in ["postgresql://bot:50%off@127.0.0.1:1/x", "postgresql://bot@127.0.0.1:1/x?password=50%off"]:
        result = run_cli("store", "migrate", "--url", url)
        assert result.returncode == 1 and "50%off" not in result.stderr + result.stdout
        assert "invalid percent-encoded token" in result.stderr and len(result.stderr.splitlines()) == 1


def test_a_url_python_cannot_split_is_one_line_without_its_password():
    # an unclosed IPv6 bracket: urlsplit raised ValueError while masking the password, and a traceback was printed
    result = run_cli("store", "migrate", env={"SUPPORTBOT_STORE_URL": "postgresql://bot:s3cret@[bad/x"})
    assert result.returncode == 1 and "Traceback" not in result.stderr
    (line,) = result.stderr.splitlines()
    assert line.startswith("error: cannot connect to postgresql://bot@[bad/x (") and "s3cret" not in line
