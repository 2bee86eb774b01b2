"""An organization's trend over its waves: the page, its JSON and the data the report and the
command line share (``services``)."""
