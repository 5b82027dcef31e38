"""Virtual handsets whose fate tests/support/sim_rules.toml fixes on the test servers."""

STAYS_QUEUED = "+15558675301"
STAYS_SENT = "+15558675302"
UNREACHABLE = "+15558675303"  # undelivered, 30003
REFUSED = "+15558675304"  # failed, 30008
SENDER = "+15005550006"  # Twilio's test number that is always a valid sender
SLOW_PICKUP = "+15558675305"  # the carrier takes it after 1.5 s
