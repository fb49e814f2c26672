namespace ActorDispatch.Server.Auth;

/// <summary>One line of the password file: the bcrypt hash of the user's password, and who the user is.</summary>
internal sealed record PasswordUser(string BcryptHash, AuthPrincipal Principal);
