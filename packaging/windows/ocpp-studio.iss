; Inno Setup 6 script: the OCPP Studio installer for Windows (x64).
; Built by packaging/windows/build.ps1, which passes the version and paths:
;   ISCC.exe /DAppVersion=0.1.0 /DFileVersion=0.1.0.0 /DSourceDir=...\dist\ocpp-studio
;            /DOutputDir=...\dist\installer [/Socppsign=... /DSignToolName=ocppsign] ocpp-studio.iss
;
; Per-user install by default (no administrator rights: Program Files of the user,
; %LOCALAPPDATA%\Programs); the first page lets an administrator install for all users instead.
; The captures, settings and logs live in the user's own folders (%LOCALAPPDATA%\ocpp-studio)
; and are kept when the program is uninstalled.

#ifndef AppVersion
  #error Pass the version: ISCC /DAppVersion=X.Y.Z (packaging/windows/build.ps1 does it)
#endif
#ifndef FileVersion
  #define FileVersion AppVersion
#endif
#ifndef SourceDir
  #define SourceDir "..\..\dist\ocpp-studio"
#endif
#ifndef OutputDir
  #define OutputDir "..\..\dist\installer"
#endif
#define AppName "OCPP Studio"
#define AppExe "ocpp-studio.exe"
#define AppPort "9000"
; Only when build.ps1 was given a signing command: signs Setup, the uninstaller and the app.
#ifdef SignToolName
  #define SignFlag "signonce"
#else
  #define SignFlag ""
#endif

[Setup]
; Never change AppId: it is how Windows knows an upgrade from another program.
AppId={{6E0B7A52-3C1D-4F8E-9A27-5D4C81B2F3A9}
AppName={#AppName}
AppVersion={#AppVersion}
AppVerName={#AppName} {#AppVersion}
AppPublisher=OCPP Studio
VersionInfoVersion={#FileVersion}
VersionInfoProductName={#AppName}
DefaultDirName={autopf}\{#AppName}
DefaultGroupName={#AppName}
DisableProgramGroupPage=yes
PrivilegesRequired=lowest
PrivilegesRequiredOverridesAllowed=dialog
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
MinVersion=10.0
OutputDir={#OutputDir}
OutputBaseFilename=ocpp-studio-{#AppVersion}-windows-x64-setup
SetupIconFile=..\..\resources\icons\ocpp-studio.ico
UninstallDisplayIcon={app}\{#AppExe}
UninstallDisplayName={#AppName}
WizardStyle=modern
Compression=lzma2/max
SolidCompression=yes
; An upgrade while the app runs: offer to close it (Restart Manager).
CloseApplications=yes
RestartApplications=no
#ifdef SignToolName
SignTool={#SignToolName}
SignedUninstaller=yes
#endif

[Languages]
Name: "english"; MessagesFile: "compiler:Default.isl"

[Messages]
FinishedLabel=Setup has finished installing [name] on your computer.%n%nChargers connect to this computer on port {#AppPort} (ws://<this computer>:{#AppPort}/). The first time OCPP Studio listens, Windows Firewall may ask whether to allow it: allow it, or chargers on your network cannot connect. Allowing needs an administrator; if you are not one, ask your IT department to allow "{#AppName}", or install it for all users and choose the firewall option.

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked
; A firewall rule needs administrator rights, so this is offered only when installing for all users.
Name: "firewall"; Description: "Allow chargers on the local network to connect to OCPP Studio (Windows Firewall rule, local subnet only)"; GroupDescription: "Network:"; Check: IsAdminInstallMode

[Files]
Source: "{#SourceDir}\{#AppExe}"; DestDir: "{app}"; Flags: ignoreversion {#SignFlag}
Source: "{#SourceDir}\_internal\*"; DestDir: "{app}\_internal"; Flags: ignoreversion recursesubdirs createallsubdirs

[InstallDelete]
; An upgrade replaces the bundled libraries completely (no stale DLLs from an older version).
Type: filesandordirs; Name: "{app}\_internal"

[Icons]
Name: "{autoprograms}\{#AppName}"; Filename: "{app}\{#AppExe}"; Comment: "OCPP 1.6J and 2.0.1 for EV chargers"
Name: "{autoprograms}\{#AppName} (demo chargers)"; Filename: "{app}\{#AppExe}"; Parameters: "--demo"; Comment: "OCPP Studio with two simulated chargers"
Name: "{autodesktop}\{#AppName}"; Filename: "{app}\{#AppExe}"; Tasks: desktopicon

[Run]
Filename: "{sys}\netsh.exe"; Parameters: "advfirewall firewall add rule name=""{#AppName}"" dir=in action=allow program=""{app}\{#AppExe}"" enable=yes profile=any remoteip=localsubnet"; Flags: runhidden; Tasks: firewall; StatusMsg: "Allowing chargers through Windows Firewall..."
Filename: "{app}\{#AppExe}"; Description: "{cm:LaunchProgram,{#AppName}}"; Flags: nowait postinstall skipifsilent

[UninstallRun]
Filename: "{sys}\netsh.exe"; Parameters: "advfirewall firewall delete rule name=""{#AppName}"" program=""{app}\{#AppExe}"""; Flags: runhidden; Tasks: firewall; RunOnceId: "DeleteFirewallRule"
