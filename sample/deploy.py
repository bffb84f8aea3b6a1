"""Deploy script: zoo-dev runs it (DEPLOY_FILE) before starting the workers,
on every application start and when you press the redeploy key.

It runs with the app's interpreter, environment and folder. Print what you do:
the output shows in the dashboard, in ERROR_LOG_DIR and in the browser while
it runs. A non-zero exit status stops the app from starting.
"""
import os
import sqlite3
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "data")
DB = os.path.join(DATA, "notes.sqlite3")


def main():
    print("python", sys.version.split()[0], "at", sys.executable)
    print("preparing", os.path.relpath(DB, HERE))
    os.makedirs(DATA, exist_ok=True)
    with sqlite3.connect(DB) as db:
        db.execute(
            "CREATE TABLE IF NOT EXISTS notes ("
            " id INTEGER PRIMARY KEY,"
            " text TEXT NOT NULL,"
            " created TEXT NOT NULL DEFAULT (datetime('now')))"
        )
        count = db.execute("SELECT count(*) FROM notes").fetchone()[0]
    print("database ready,", count, "notes")
    print("done")


if __name__ == "__main__":
    main()
