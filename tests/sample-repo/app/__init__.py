"""vulnshop web layer. INTENTIONALLY VULNERABLE: never deploy."""
