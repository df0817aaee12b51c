"""Small, truly generic pieces shared by the app and the collectors (settings, database, clock)."""
