"""维权上提一级 — rights protection rises one level (上代下): lifting a case to the parent union,
the manual requests and take-overs, the sweep that acts on expired clocks, and the inbox of
escalations a supervisor reads."""
