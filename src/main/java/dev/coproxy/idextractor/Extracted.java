package dev.coproxy.idextractor;

import dev.coproxy.session.Session;

/**
 * The answer of {@link IdExtractorVerticle}.
 *
 * @param id the ID in Tyk's format, the name of the cached session ({@code /tyk/keys/{id}})
 * @param storageId what the session is stored under (the ID, or its hash with {@code hash_keys})
 * @param session the session stored under the ID, or null
 */
public record Extracted(String id, String storageId, Session session) {

  /** True when a session is stored under the ID and its {@code id_extractor_deadline} is after {@code nowSeconds}. */
  public boolean cachedAt(long nowSeconds) {
    return session != null && session.json().getValue("id_extractor_deadline") instanceof Number deadline
        && deadline.longValue() > nowSeconds;
  }
}
