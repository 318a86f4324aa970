<#
.SYNOPSIS
  Build OCPP Studio for Windows: the one-folder app (dist\ocpp-studio), its self-test, and the
  installer (dist\installer\ocpp-studio-<version>-windows-x64-setup.exe).

.DESCRIPTION
  Prerequisites: Python 3.12 (x64), Inno Setup 6 (ISCC.exe on PATH, in its default folder, or
  $env:ISCC). Run from anywhere:   powershell -ExecutionPolicy Bypass -File packaging\windows\build.ps1

  Signing (optional): set $env:SIGNTOOL_COMMAND to a signing command line in which Inno Setup
  replaces $f with the file to sign, e.g.
    signtool.exe sign /fd sha256 /tr http://timestamp.digicert.com /td sha256 /sha1 <thumbprint> $f
  Then the app, the installer and its uninstaller are signed. Without it nothing is signed
  (SmartScreen warns on first run).
#>
[CmdletBinding()]
param(
    [string]$Python = "",
    [switch]$SkipSelfTest
)
Set-StrictMode -Version Latest
$ErrorActionPreference = "Stop"
$Root = (Resolve-Path (Join-Path $PSScriptRoot "..\..")).Path
Set-Location $Root

function Invoke-Checked([string]$Exe, [string[]]$Arguments) {
    & $Exe @Arguments
    if ($LASTEXITCODE -ne 0) { throw "$Exe failed with exit code $LASTEXITCODE" }
}

# --- Python with the app and the `package` extra
if (-not $Python) {
    $Python = Join-Path $Root ".venv\Scripts\python.exe"
    if (-not (Test-Path $Python)) {
        Write-Host "== creating .venv"
        Invoke-Checked "py" @("-3.12", "-m", "venv", ".venv")
    }
}
Invoke-Checked $Python @("-m", "pip", "install", "--quiet", "--disable-pip-version-check", "-e", ".[package]")
$Version = (& $Python -c "from importlib.metadata import version; print(version('ocpp-studio'))").Trim()
# Windows file versions are four numbers: 1.2.3 -> 1.2.3.0 (a local suffix like +g1234 is dropped).
$Numbers = @(($Version -split '[+-]')[0].Split('.') | Where-Object { $_ -match '^\d+$' })
while ($Numbers.Count -lt 4) { $Numbers += "0" }
$FileVersion = ($Numbers[0..3] -join '.')
Write-Host "== OCPP Studio $Version"

# --- the one-folder app
Write-Host "== PyInstaller"
Invoke-Checked $Python @("-m", "PyInstaller", "--noconfirm", "--clean", "--log-level", "WARN",
    "--distpath", "dist", "--workpath", "build\pyinstaller", "packaging\ocpp-studio.spec")
$Exe = Join-Path $Root "dist\ocpp-studio\ocpp-studio.exe"

# --- self-test (a windowed app has no console: the report goes to a file)
if (-not $SkipSelfTest) {
    Write-Host "== self-test of the bundle"
    $Report = Join-Path $env:TEMP "ocpp-studio-self-test.txt"
    $env:OCPP_STUDIO_SELF_TEST_REPORT = $Report
    $env:QT_QPA_PLATFORM = "offscreen"
    try {
        $Process = Start-Process -FilePath $Exe -ArgumentList "--self-test" -Wait -PassThru -NoNewWindow
    } finally {
        Remove-Item Env:\OCPP_STUDIO_SELF_TEST_REPORT, Env:\QT_QPA_PLATFORM -ErrorAction SilentlyContinue
    }
    if (Test-Path $Report) { Get-Content $Report | Write-Host }
    if ($Process.ExitCode -ne 0) { throw "the bundle's self-test failed (exit $($Process.ExitCode))" }
}

# --- Inno Setup
$Iscc = $env:ISCC
if (-not $Iscc) {
    $Found = Get-Command "ISCC.exe" -ErrorAction SilentlyContinue
    if ($Found) { $Iscc = $Found.Source }
}
foreach ($Candidate in @("${env:ProgramFiles(x86)}\Inno Setup 6\ISCC.exe",
                         "$env:ProgramFiles\Inno Setup 6\ISCC.exe",
                         "$env:LOCALAPPDATA\Programs\Inno Setup 6\ISCC.exe")) {
    if (-not $Iscc -and (Test-Path $Candidate)) { $Iscc = $Candidate }
}
if (-not $Iscc) { throw "Inno Setup 6 not found: install it (https://jrsoftware.org/isdl.php) or set `$env:ISCC" }

$IsccArgs = @("/Qp", "/DAppVersion=$Version", "/DFileVersion=$FileVersion",
              "/DSourceDir=$Root\dist\ocpp-studio", "/DOutputDir=$Root\dist\installer")
if ($env:SIGNTOOL_COMMAND) {
    Write-Host "== signing with `$env:SIGNTOOL_COMMAND"
    $IsccArgs += @("/Socppsign=$env:SIGNTOOL_COMMAND", "/DSignToolName=ocppsign")
} else {
    Write-Host "== not signing: `$env:SIGNTOOL_COMMAND is not set (see packaging\README.md)"
}
$IsccArgs += (Join-Path $PSScriptRoot "ocpp-studio.iss")
Write-Host "== Inno Setup ($Iscc)"
Invoke-Checked $Iscc $IsccArgs
Write-Host "== done: dist\installer\ocpp-studio-$Version-windows-x64-setup.exe"
