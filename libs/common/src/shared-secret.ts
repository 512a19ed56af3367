/**
 * The shortest secret the service runs with wherever a secret keys an HMAC that others can
 * observe the output of (login tokens, requests between nodes): anyone who holds one signed
 * thing can test guesses at its secret offline, as fast as they compute HMACs. 32 random
 * characters (`openssl rand -hex 16`, or 32 bytes as hex) are past that.
 */
export const SHARED_SECRET_MIN_LENGTH = 32;
