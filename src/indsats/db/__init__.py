"""Query helpers below every app (issue 16): a query's SQL compiled once per process and run with each
request's values (compiled_queries, compiled_lookups), and a relation's rows read inside the parent's
query (nested_rows). They import only Django and ui.panels' SQL of counts."""
