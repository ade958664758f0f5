"""The auditor's read-only views of the log: access records, timelines, time travel, decisions beside suggestions."""
