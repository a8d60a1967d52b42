"""The paper itself: its published values, the score and audit, its tables, and the univariable screen of chapter 5."""
