package dev.coproxy.api;

/**
 * The API definitions loaded at one moment, by id. A reload makes a new catalog, so code that
 * keeps state per loaded set can tell a reload by the catalog's identity.
 */
public interface ApiCatalog {

  /** The definition loaded under {@code apiId}, or null. */
  ApiDefinition definition(String apiId);
}
