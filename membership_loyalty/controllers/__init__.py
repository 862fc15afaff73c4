from . import membership_reader
