package dev.coproxy.idextractor;

/**
 * How the extractor turns its input into the value the ID is made of ({@code extract_with}):
 * {@code value} takes it as it is, {@code regex} and {@code xpath} pick a part of it. Compiled once
 * when the API loads; {@link #apply} is safe to call from several event loops at once.
 */
@FunctionalInterface
interface Mode {

  /** The value Tyk's {@code value} mode uses: the input itself. */
  Mode VALUE = input -> input;

  /**
   * @throws ExtractionFailure when the input holds no value
   */
  String apply(String input);
}
