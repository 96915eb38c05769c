namespace Messaging.Transports.AspNetCore;

/// <summary>Names of the development authentication scheme.</summary>
public static class MessagingDevelopmentAuthenticationDefaults
{
    /// <summary>The scheme name, <c>MessagingDevelopment</c>.</summary>
    public const string AuthenticationScheme = "MessagingDevelopment";
}
