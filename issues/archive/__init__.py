"""The Markdown archive: reading the briefing's Jekyll files in, writing issues back out.

``parser`` turns one file's text into plain dataclasses (no database),
``importer`` writes a parsed issue to the database atomically, and
``exporter`` renders an issue as the briefing's own Markdown or as WeChat HTML.
"""
