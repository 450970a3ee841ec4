"""InfluxQL as ``/query`` speaks it: a port of ``influxdata/influxql``'s scanner and parser
(for its exact ``found X, expected Y at line L, char C`` errors), a small statement tree,
and the statement executor of ``v1/coordinator`` over DBRP mappings and no data."""
