"""Physics-informed neural networks for the LLG equation (equinox, optax, orbax).

- :mod:`.network`: the MLP (tanh, Fourier features, SIREN); :mod:`.ansatz`: unit-vector
  PINNs with hard initial and boundary conditions;
- :mod:`.residual`: LLG residuals by ``jax.jvp`` and the manufactured 1D solution;
- :mod:`.train`: Adam on resampled collocation points, then L-BFGS;
- cases: :mod:`.macrospin_case` (conditioned on t, h, ψ, α), :mod:`.film1d`
  (manufactured solution), :mod:`.static` (energy minimisation), :mod:`.failure_map`;
- :mod:`.io`: save and restore with orbax.
"""
