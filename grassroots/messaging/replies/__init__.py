"""What providers and people tell us: provider webhooks (``webhooks``), delivery receipts
(``receipts``), replies and their keywords (``inbound``, ``keywords``), email services' events
(``esp``), unsubscribe links and tracked opens and clicks (``tracking``), the do-not-message list
(``suppressions``)."""
