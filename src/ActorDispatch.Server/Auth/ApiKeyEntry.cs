namespace ActorDispatch.Server.Auth;

/// <summary>
/// One API key: only the SHA-256 of the key is configured, so the settings never hold the key itself.
/// An API key has enough entropy that an unsalted fast hash is safe, unlike a password.
/// </summary>
internal sealed record ApiKeyEntry(byte[] Sha256, AuthPrincipal Principal);
