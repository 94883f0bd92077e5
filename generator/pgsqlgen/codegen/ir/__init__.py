"""The intermediate representation: ``model`` holds the dataclasses templates read;
``build`` makes them from the catalog and the analysed queries, with ``types`` (Python
types and class names), ``methods`` (one query's generated methods), ``rows`` (result
rows and embeds) and ``imports`` (each module's import lines).
"""
