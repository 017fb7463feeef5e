package dev.coproxy.api;

import java.io.IOException;

/**
 * Turns a parsed API definition into the one that goes live, for work that needs files or the
 * network (plugin bundles). Runs on the registry's loader thread, so it may block.
 */
public interface DefinitionResolver {

  /** Leaves every definition as it is. */
  DefinitionResolver NONE = def -> def;

  /**
   * Called once at the start of each reload, before any {@link #resolve}.
   *
   * @param refreshBundles fetch bundles again even when they are on disk
   */
  default void startReload(boolean refreshBundles) {
  }

  /**
   * The definition to load.
   *
   * @throws IOException with the reason the API cannot load (it is then skipped, or its previous
   *     version kept)
   */
  ApiDefinition resolve(ApiDefinition def) throws IOException;
}
