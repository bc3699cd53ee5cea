"""The password every test user shares (no imports: the kernel's own tests use it too)."""

PASSWORD = "correct-horse-battery-1"
