// Dates in fixtures and validation messages are calendar dates: pin the zone so they never shift.
process.env.TZ = 'UTC'
