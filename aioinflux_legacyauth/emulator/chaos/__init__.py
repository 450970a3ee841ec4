"""What a test observes and perturbs: the fault plan and the request log."""
