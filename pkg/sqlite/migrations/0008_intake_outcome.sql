-- The intake page filtered by outcome lists the newest rows first: walk
-- them in order instead of sorting every row of that outcome.
CREATE INDEX intake_outcome_id ON intake(outcome, id);
