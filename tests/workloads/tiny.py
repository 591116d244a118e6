"""Too short for Scalene to take any sample: it writes '{}' and the server
answers 'no samples' with advice."""
x = 1
