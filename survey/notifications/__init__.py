"""Notifications: who is told what (in the app and by e-mail), reminders, digests, preferences."""
