package dev.coproxy.idextractor;

/**
 * One request for {@link IdExtractorVerticle}: the API's compiled extractor and the request's material.
 * Travels on the local event bus by reference.
 */
public record Extraction(IdExtractor extractor, RequestMaterial material) {
}
