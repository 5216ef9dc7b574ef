"""The research site: what Datasette serves beyond the tables themselves.

``tables`` precomputes, at load time, the tables a person browses (Chinese columns, one row
per report or per printed row); ``plugin`` is the Datasette plugin (limits on every
connection, Chinese labels for codes, links to a page per report, numbers with thousands
separators); ``pages`` builds the report, agency and search pages; ``labels`` says every
code in Chinese. ``templates/`` and ``static/`` are Datasette's own templates in Chinese and
the site's pages; ``metadata.yml`` is the repository's top-level file, installed with the
package.
"""
