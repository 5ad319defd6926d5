"""Output for people: feedback files for respondents and benchmark reports per municipality.

Everything here reads the *published* release (read-only), never the private build DB.
"""
