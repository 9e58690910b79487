"""Cases: jurisdiction rule packs, working-day deadlines, the legal workflow, evidence and notices."""
