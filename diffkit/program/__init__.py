"""From graphs to executable programs: reference derivatives, adjoint graphs, lowering."""
