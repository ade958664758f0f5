"""Form parsing: raw POST fields -> application inputs, or French errors by field.

A form keeps what the person typed (`values`) so that a page with errors shows their
input again. Malformed input (a date that is not one, a number that is not one) is
reported here; business rules are checked by the application, and both kinds of
errors are shown together.
"""
