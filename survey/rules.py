"""Business rules, shared by pages and the command line. Services flush; callers commit."""


class SurveyError(Exception):
    """A request that breaks a rule; the message is one clear line for a person."""


class NotFound(SurveyError):
    """Something named does not exist."""


class Conflict(SurveyError):
    """Someone else changed the same thing first."""
