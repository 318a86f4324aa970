"""Descriptions of the standard OCPP 2.0.1 components and variables.

Generated from the OCPP 2.0.1 appendices (Appendices_CSV_v1.4: components.csv,
variables.csv, dm_components_vars.csv); descriptions cut to their first sentence.
Do not edit by hand."""

from __future__ import annotations

#: component name -> description
COMPONENTS: dict[str, str] = {'AcDcConverter': 'Provides a variable DC current source to force energy directly into an EV '
                  "battery stack, under tight control of the EV's battery management system.",
 'AcPhaseSelector': 'Allows a specific AC phase to be selected (typically at EVSE tier) for single '
                    'phase vehicle charging in order to lower overall (e.g.',
 'AccessBarrier': 'Allows physical access of vehicles to a charging site to be controlled.',
 'Actuator': 'A general purpose electro-mechanical output system, with optional completion '
             'tracking sensing.',
 'AirCoolingSystem': 'Fans (or equivalent devices) used to provide cooling.',
 'AlignedDataCtrlr': 'Logical Component responsible for configuration relating to the reporting of '
                     'clock-aligned meter data.',
 'AreaVentilation': 'Fans (or equivalent devices) used to ensure that EVs that require ventilation '
                    'during charging',
 'AuthCacheCtrlr': 'Logical Component responsible for configuration relating to the use of a local '
                   'cache for authorization for Charging Station use.',
 'AuthCtrlr': 'Logical Component responsible for configuration relating to the use of '
              'authorization for Charging Station use.',
 'BayOccupancySensor': 'Sensor (optical, ground loop, ultrasonic, etc.) to detect whether the '
                       'associated parking/charging bay is physically vacant, or is occupied by a '
                       'vehicle or other obstruction',
 'BeaconLighting': 'Beacon Lighting to help EV drivers to locate nearby charging places, and/or to '
                   'determine charging availability state, usually by color variation.',
 'CHAdeMOCtrlr': 'A CHAdeMO Controller component communicates with an EV using the wired CANbus '
                 'protocol to exchange information and control charging using the CHAdeMO protocol',
 'CPPWMController': 'Control Pilot PWM Controller: provides and senses the IEC 61851-1 / SAE J1772 '
                    'low voltage DC and PWM signalling between an EVSE and EV over a control pilot '
                    'line.',
 'CableBreakawaySensor': 'A sensor that detects when a charging cable (captive or removable) has '
                         'been forcibly pulled from the Charging Station.',
 'CaseAccessSensor': 'Reports when an access door/panel is open',
 'ChargingStation': 'The entire Charging Station as a logical entity',
 'ChargingStatusIndicator': 'The Charging Status Indicator, provides visible feedback to the user '
                            'about the connection and charging status of an EVSE/Connector.',
 'ClockCtrlr': 'Provides a means to configure management of time tracking by Charging Station.',
 'ConnectedEV': 'ConnectedEV is a component that represents a connected vehicle for which data is '
                'received via an ISO 15118 or CHAdeMO interface.',
 'Connector': 'A means to connect an EV to a Charging Station with either a socket, an attached '
              'cable & inline connector, or any wireless power transfer device.',
 'ConnectorHolsterRelease': 'A mechanism present in a connector holster to prevent the connector '
                            'from being removed inappropriately: typically unlocks connector after '
                            'authorization.',
 'ConnectorHolsterSensor': 'A mechanism to report when a tethered cable connector has been removed '
                           'from its normal stowage position.',
 'ConnectorPlugRetentionLock': 'Locking mechanism to retain an inserted plug, both to prevent '
                               'on-load disconnection, and to prevent theft of charging cables',
 'ConnectorProtectionRelease': 'External protective mechanism (e.g.',
 'ControlMetering': 'Energy, Power, Electricity meter, used to measure energy, current, voltages '
                    'etc.',
 'Controller': 'An embedded logic controller',
 'DataLink': 'Provides a communications link from a Charging Station to a CSMS.',
 'DeviceDataCtrlr': 'Logical Component responsible for configuration relating to the exchange and '
                    'storage of Charging Station Device Model data.',
 'Display': 'Provides information and feedback to the user.',
 'DisplayMessageCtrlr': 'Logical Component responsible for configuration relating to the display '
                        'of messages to Charging Station users.',
 'DistributionPanel': "Defines the Distribution Panel, with it's fuses and connections to both "
                      "Charging Stations and other Distribution Panel's.",
 'ELVSupply': 'Represents the low voltage power supply (typically 12V DC and often other ELV '
              'voltages) that provides operating power for controllers, relays, and other '
              'electrical components.',
 'EVRetentionLock': 'A locking mechanism on the EV side as a safety measure to prevent it being '
                    'disconnected while high currents are flowing.',
 'EVSE': 'The entire chain of components responsible for transporting energy from the incoming '
         'supply to the electric vehicle (or vice versa)',
 'ElectricalFeed': 'Represents an incoming electrical connection to a Charging Station, that may '
                   'be a grid/distribution network connection, of a connection to local power '
                   'generation and/or storage.',
 'EmergencyStopSensor': "An 'Emergency Stop' button that should be pressed by the user or other "
                        'nearby persons if serious faulty behavior is observed (e.g.',
 'EnvironmentalLighting': 'Provides reporting/control of general illumination lighting in use at '
                          'Charging Station.',
 'ExternalTemperatureSensor': 'Reports ambient air temperature',
 'FiscalMetering': 'Provides energy transfer readings that are the basis for billing.',
 'FloodSensor': 'A sensor reporting whether the Charging Station is experiencing water '
                'ingress/pooling.',
 'GroundIsolationProtection': 'An Isolation Tester as part of their own self-test mechanisms, to '
                              'confirm the isolation of floating circuitry when no Evs are '
                              'connected',
 'Heater': 'Heater to ensure reliable operation in cold environments',
 'HumiditySensor': 'Reports relative air humidity',
 'ISO15118Ctrlr': 'Communicates with an EV to exchange information and control charging using the '
                  'ISO 15118 protocol.',
 'LightSensor': 'Reports ambient light levels.',
 'LiquidCoolingSystem': 'A liquid based cooling system, typically used to cool the connector '
                        'cables of very high power Charging Stations.',
 'LocalAuthListCtrlr': 'Logical Component responsible for configuration relating to the use of '
                       'Local Authorization Lists for Charging Station use.',
 'LocalAvailabilitySensor': 'Accepts local signal inputs controlling whether new Charging Sessions '
                            'can start and/or whether ongoing sessions should continue.',
 'LocalController': 'The entire Local Controller as a logical entity',
 'LocalEnergyStorage': 'Energy storage',
 'MonitoringCtrlr': 'Logical Component responsible for configuration relating to the exchange of '
                    'monitoring event data.',
 'OCPPCommCtrlr': 'Logical Component responsible for configuration relating to information '
                  'exchange between Charging Station and CSMS.',
 'OverCurrentProtection': 'Protects equipment by disconnecting the electrical supply when the '
                          'current drawn (on any phase) exceeds the rated value to a substantial '
                          'degree.',
 'OverCurrentProtectionRecloser': 'Recloser mechanism of an OverCurrentProtection to perform '
                                  're-arm retries after a trip, or may be set for remotely '
                                  'controlled re-arming on command.',
 'PowerContactor': 'Switches on and off the power to the EV after all authorization and safety '
                   'requirements have been met.',
 'RCD': 'A Residual Current Device (US: ground fault breaker) protects human life and/or '
        'downstream equipment by quickly detecting abnormal current flows (usually indicative in '
        'earth faults) in the Charging Station, cable, or EV during charging.',
 'RCDRecloser': 'A motorized recloser mechanism of an RCD that may be configured to perform re-arm '
                'retries after a trip, or may be set for remotely controlled re-arming on command.',
 'RealTimeClock': 'Represents realtime clock hardware that can maintain accurate date & time '
                  'information in a Charging Station, even in the case of simultaneous CSMS '
                  'uncontactability and power outages or resets.',
 'ReservationCtrlr': 'Logical Component responsible for configuration relating to reservations.',
 'SampledDataCtrlr': 'Logical Component responsible for configuration relating to the reporting of '
                     'sampled meter data.',
 'SecurityCtrlr': 'Logical Component responsible for configuration relating to security of '
                  'communications between Charging Station and CSMS.',
 'ShockSensor': 'Measures impact forces/accelerations experienced, indicative of possible damage.',
 'SmartChargingCtrlr': 'Logical Component responsible for configuration relating to smart '
                       'charging.',
 'SpacesCountSignage': 'Electronic signage allowing a charging controller for a large charging '
                       'facility to advertise counts of available spaces to passing traffic.',
 'Switch': 'A general purpose electromechanical input device, with optional remote '
           'defaulting/resetting of values.',
 'TariffCostCtrlr': 'Logical Component responsible for configuration relating to tariff and cost '
                    'display.',
 'TemperatureSensor': 'Temperature sensor at a point inside the Charging Station, multiple sensing '
                      'points for a single sensing controller.',
 'TiltSensor': 'Measures Tilt angle from normal reference position (normally 90 degree vertical).',
 'TokenReader': 'An authorization token reader (e.g.',
 'TxCtrlr': 'Logical Component responsible for configuration relating to transaction '
            'characteristics and behaviour.',
 'UIInput': 'A logical input mechanism (e.g.',
 'UpstreamProtectionTrigger': 'Circuitry designed to trigger the disconnection of power to the '
                              'structure by an upstream protection device after a severe problem '
                              'has been detected',
 'VehicleIdSensor': 'Reports an identifier associated with a vehicle occupying a charging bay.'}

#: generic variable name -> (dataType, unit, description)
VARIABLES: dict[str, tuple[str | None, str | None, str]] = {'ACCurrent': ('decimal', 'A', 'RMS AC Current (in amperes).'),
 'ACVoltage': ('decimal', 'V', 'RMS AC Voltage (in volts).'),
 'Active': ('boolean',
            None,
            'Component is in its non-resting / active state: e.g: On, Engaged, Locked.'),
 'AllowReset': ('boolean', None, 'Component can be reset.'),
 'Angle': ('decimal', 'Deg', 'Angle(s) relative to normal/design idle position.'),
 'Attempts': ('integer',
              None,
              'Number of attempts (INCLUDING the original attempt) in the last successful or '
              'attempted, cycle of operation.'),
 'AvailabilityState': ('OptionList',
                       None,
                       'A value of ConnectorStatusEnumType (See part 2): replicates '
                       'ConnectorStatus values reported in StatusNotification messages.'),
 'Available': ('boolean',
               None,
               'The Component exists and is locally configured/wired for use, but might not be '
               '(remotely) Enabled.'),
 'Certificate': ('string', None, 'Digital Certificate (in Base64 encoding)'),
 'ChargeProtocol': (None, None, 'The Charging Control Protocol applicable to a Connector.'),
 'ChargingCompleteBulk': ('boolean', None, 'Charging up to StateOfChargeBulk has completed.'),
 'ChargingCompleteFull': ('boolean', None, 'Charging up to StateOfCharge.maxSet has completed.'),
 'ChargingTime': ('decimal', 's', 'Time from earliest to latest substantive energy transfer'),
 'Color': ('string', None, 'Standard 24 bit hexadecimal RGB values.'),
 'Complete': ('boolean', None, "Component's operation cycle has completed."),
 'ConnectedTime': ('decimal', 's', 'Time since logical connection established'),
 'ConnectorType': ('OptionList',
                   None,
                   'A value of ConnectorEnumType (See part 2) plus additionally: `cGBT`, '
                   '`cChaoJi`, `OppCharge`.'),
 'Count': ('integer', None, 'General purpose integer count variable for Component state reporting'),
 'Currency': ('string', None, 'Currency in a ISO 4217 formatted currency code.'),
 'CurrentImbalance': ('decimal',
                      'Percent',
                      'Percentage current imbalance in an AC three phase supply.'),
 'DCCurrent': ('decimal', 'A', 'DC Current (in amperes).'),
 'DCVoltage': ('decimal',
               'V',
               'DC Voltage (volts). May be an instantaneous measurement, or a period average, '
               'depending on context/equipment.'),
 'DataText': ('string', None, 'Text associated with a Component, e.g.'),
 'DateTime': ('dateTime', None, 'Point in time value, in [RFC3339] datetime format.'),
 'DepartureTime': ('dateTime',
                   None,
                   'Time in [RFC3339] datetime format, when an EV intends to leave the charging '
                   'station.'),
 'ECVariant': ('string',
               None,
               'Production series variants reflecting internal design changes or sub-component '
               'substitutions not affecting external functionality.'),
 'Enabled': ('boolean', None, 'The Component is Enabled for operation.'),
 'Energy': ('decimal',
            'Wh',
            'Energy quantity (in Wh) for reporting/configuring values related to stored energy '
            '(i.e.'),
 'EnergyCapacity': ('decimal', 'Wh', 'Energy capacity in Wh of an energy storage device.'),
 'EnergyExport': ('decimal', 'Wh', 'Total energy transferred: e.g.'),
 'EnergyExportRegister': ('decimal',
                          'Wh',
                          'Cumulative export kWh register value, such as from a (certified) fiscal '
                          'energy meter.'),
 'EnergyImport': ('decimal', 'Wh', 'Total energy transferred.'),
 'EnergyImportRegister': ('decimal',
                          'Wh',
                          'Cumulative export kWh register value, such as from a (certified) fiscal '
                          'energy meter.'),
 'Entries': ('integer',
             None,
             'General purpose variable for reporting/managing numbers of entries in repetitive '
             'data structures.'),
 'Fallback': ('boolean', None, 'Component is operating in a fallback, or backup mode.'),
 'FanSpeed': ('decimal',
              'RPM',
              'Fan Speed (in RPM). A value of 0 represents stopped/stalled. An empty value '
              'indicates that fan speed cannot be read.'),
 'FirmwareVersion': ('string', None, 'Version number of firmware.'),
 'Force': ('decimal',
           'N',
           'Reports (impact) force/ acceleration values (estimates) in one or more directions, in '
           'units of Newtons or “g”.'),
 'Formats': ('MemberList', None, 'List of message formats supported by this Charging Station.'),
 'Frequency': ('decimal', 'Hz', 'Frequency of AC power, signal, or component operation.'),
 'FuseRating': ('decimal', 'A', 'Current rating of a fuse/breaker.'),
 'Height': ('decimal',
            'm',
            'Height above(+)/below(-) reference level (ground level unless context demands '
            'otherwise).'),
 'Humidity': ('decimal', 'RH', 'The relative humidity in %.'),
 'Hysteresis': ('decimal',
                'Percent',
                "Specifies the width of a 'dead band' (as a percentage of the threshold) around "
                'the central value of a threshold setting (e.g.'),
 'ICCID': ('string', None, 'ICCID (Integrated Circuit Card IDentifier) of mobile data SIM card.'),
 'IMSI': ('string',
          None,
          'IMSI (International Mobile Subscriber Identity) number of mobile data SIM card'),
 'ISO15118EvseId': ('string',
                    None,
                    'EVSE ID in string format as used in ISO 15118 and IEC 63119-2'),
 'Impedance': ('decimal', 'Ohm', 'Impedance: Primary value is real (resistive only) impedance.'),
 'Interval': ('integer', 's', 'Minimum Interval (in seconds) between (attempted) operations.'),
 'Length': ('decimal', 'm', 'General Purpose linear distance measure.'),
 'Light': ('decimal', 'lx', '(Ambient) light level.'),
 'Manufacturer': ('string', None, 'Component Manufacturer name'),
 'Message': ('string', None, 'Specific stored message for display.'),
 'MinimumStatusDuration': ('integer',
                           's',
                           'Minimum duration that a Charging Station or EVSE status is stable '
                           'before StatusNotificationRequest is sent to the CSMS.'),
 'Mode': ('string',
          None,
          'Operating mode string from among valid options (communicated by OptionList, etc.'),
 'Model': ('string',
           None,
           "Manufacturer's Model code/number of Component, including suffixes etc."),
 'NetworkAddress': ('string', None, 'Current network address of a Component.'),
 'Operated': ('boolean',
              None,
              'The Component operated in an instantaneous, transient, or immediately '
              'self-resetting pattern.'),
 'OperatingTimes': ('string', None, 'Recurring operating times in iCalendar RRULE format.'),
 'Overload': ('boolean', None, 'Component is in Overload state.'),
 'Percent': ('decimal', 'Percent', 'Generic dimensionless value reporting/setting value.'),
 'PhaseRotation': ('OptionList',
                   None,
                   "The phase wiring of Component, relative to it's upstream feed "
                   'Component/device.'),
 'PostChargingTime': ('decimal',
                      's',
                      'Elapsed time in seconds since last substantive energy transfer'),
 'Power': ('decimal',
           'W,kW',
           'Instantaneous (real) Power (measured/calculated, including power factor for AC).'),
 'Problem': ('boolean',
             None,
             "Component itself has a 'Problem' condition that impacts in any significant way on "
             'its normal operation.'),
 'Protecting': ('boolean',
                None,
                "Applies to 'sensor' type Components that have an associated protection "
                'capability, whereby they can disconnect power (e.g.'),
 'RemainingTimeBulk': ('integer',
                       's',
                       'Number of seconds remaining to charge to bulk state of charge, given by '
                       'StateOfChargeBulk.'),
 'RemainingTimeFull': ('integer',
                       's',
                       'Number of seconds remaining to charge to 100% state of charge.'),
 'SeccId': ('string', None, 'The name of the SECC in the string format as required by ISO 15118.'),
 'SerialNumber': ('string', None, 'Serial number of Component.'),
 'SignalStrength': ('decimal',
                    'dBm',
                    '(Radio/Wired/Optical) data signal strength, in ASU (typically 0-31 or 99 for '
                    'unknown).'),
 'State': ('string',
           None,
           'A state code or name identifier string, to allow the internal state of components to '
           'be reported and/or controlled'),
 'StateOfCharge': ('decimal', 'Percent', 'Energy Storage Device (e.g.'),
 'StateOfChargeBulk': ('decimal', 'Percent', 'Energy Storage Device (e.g.'),
 'Storage': ('integer',
             'B',
             'In bytes. Amount of storage occupied. Storage(maxLimit) specifies absolute limit '
             'Storage(MaxSet) restricts usage to specified Max, if supported.'),
 'SupplyPhases': ('integer', None, 'Number of alternating current phases connected/available.'),
 'Suspending': ('boolean',
                None,
                'If Suspending is true, the Component can is currently suspending charging.'),
 'Suspension': ('boolean',
                None,
                "Applies to 'sensor' type Components that have a charging suspension capability, "
                'typically for safety or equipment protection reasons.'),
 'Temperature': ('decimal',
                 'Celsius, Fahrenheit',
                 'Temperature(s) of component (in Celsius, by default).'),
 'Time': ('dateTime', None, 'Point in time value, in ISO 8601 datetime format.'),
 'TimeOffset': ('string',
                None,
                'A Time Offset with respect to Coordinated Universal Time (aka UTC or Greenwich '
                'Mean Time) in the form of an [RFC3339] time (zone) offset suffix, including the '
                'mandatory “+” or “-“ prefix.'),
 'Timeout': ('decimal', 's', 'Generic timeout value for Component operation (in seconds).'),
 'Token': ('string', None, 'String of bytes representing an ID token.'),
 'TokenType': ('OptionList', None, 'Type of Token. Value is one of IdTokenEnumType.'),
 'Tries': ('integer', None, 'Number of attempts done by a Component.'),
 'Tripped': ('boolean',
             None,
             'Single-shot device requires explicit intervention to re-prime/activate to normal.'),
 'VehicleId': ('string', None, 'ID that EV provides to charging station.'),
 'VersionDate': ('dateTime', None, '[RFC3339]'),
 'VersionNumber': ('string', None, 'Version number of hardware'),
 'VoltageImbalance': ('decimal', 'Percent', 'Percentage voltage imbalance in three phase supply.')}

#: (component, variable, instance) -> (required, dataType, unit, description)
COMPONENT_VARIABLES: dict[tuple[str, str, str | None], tuple[bool, str | None, str | None, str]] = {('AlignedDataCtrlr', 'Available', None): (False,
                                           'boolean',
                                           None,
                                           'If this variable reports a value of true, '
                                           'Clock-Aligned Data is supported.'),
 ('AlignedDataCtrlr', 'Enabled', None): (False,
                                         'boolean',
                                         None,
                                         'If this variable reports a value of true, Clock-Aligned '
                                         'Data is enabled'),
 ('AlignedDataCtrlr', 'Interval', None): (True,
                                          'integer',
                                          's',
                                          'Size (in seconds) of the clock-aligned data interval, '
                                          'intended to be transmitted in the MeterValuesRequest '
                                          'message.'),
 ('AlignedDataCtrlr', 'Measurands', None): (True,
                                            'MemberList',
                                            None,
                                            'Clock-aligned measurand(s) to be included in '
                                            'MeterValuesRequest, every AlignedDataInterval '
                                            'seconds.'),
 ('AlignedDataCtrlr', 'SendDuringIdle', None): (False,
                                                'boolean',
                                                None,
                                                'If set to true, the Charging Station SHALL NOT '
                                                'send clock aligned meter values when a '
                                                'transaction is ongoing.'),
 ('AlignedDataCtrlr', 'SignReadings', None): (False,
                                              'boolean',
                                              None,
                                              'If set to true, the Charging Station SHALL include '
                                              'signed meter values in the SampledValueType in the '
                                              'MeterValuesRequest to the CSMS.'),
 ('AlignedDataCtrlr', 'TxEndedInterval', None): (True,
                                                 'integer',
                                                 's',
                                                 'Size (in seconds) of the clock-aligned data '
                                                 'interval, intended to be transmitted in the '
                                                 'TransactionEventRequest (eventType = Ended) '
                                                 'message.'),
 ('AlignedDataCtrlr', 'TxEndedMeasurands', None): (True,
                                                   'MemberList',
                                                   None,
                                                   'Clock-aligned measurands to be included in the '
                                                   'meterValues element of TransactionEventRequest '
                                                   '(eventType = Ended), every '
                                                   'SampledDataTxEndedInterval seconds from the '
                                                   'start of the transaction.'),
 ('AuthCacheCtrlr', 'Available', None): (False,
                                         'boolean',
                                         None,
                                         'Authorization caching is available, but not necessarily '
                                         'enabled.'),
 ('AuthCacheCtrlr', 'DisablePostAuthorize', None): (False,
                                                    'boolean',
                                                    None,
                                                    'When set to true this variable disables the '
                                                    'behavior to request authorization for an '
                                                    'idToken that is stored in the cache with a '
                                                    'status other than Accepted, as stated in '
                                                    'C10.FR.03 and C12.FR.05.'),
 ('AuthCacheCtrlr', 'Enabled', None): (False,
                                       'boolean',
                                       None,
                                       'If set to true, Authorizaiton caching is enabled.'),
 ('AuthCacheCtrlr', 'LifeTime', None): (False,
                                        'integer',
                                        None,
                                        'Indicates how long it takes until a token expires in the '
                                        'authorization cache since it is last used'),
 ('AuthCacheCtrlr', 'Policy', None): (False,
                                      'OptionList',
                                      None,
                                      'Cache Entry Replacement Policy: least recently used, least '
                                      'frequently used, first in first out, other custom '
                                      'mechanism.'),
 ('AuthCacheCtrlr', 'Storage', None): (False,
                                       'integer',
                                       'B',
                                       'Indicates the number of bytes currently used by the '
                                       'Authorization Cache.'),
 ('AuthCtrlr', 'AdditionalInfoItemsPerMessage', None): (False,
                                                        'integer',
                                                        None,
                                                        'Maximum number of AdditionalInfo items '
                                                        'that can be sent in one message.'),
 ('AuthCtrlr', 'AuthorizeRemoteStart', None): (True,
                                               'boolean',
                                               None,
                                               'Whether a remote request to start a transaction in '
                                               'the form of RequestStartTransactionRequest message '
                                               'should be authorized beforehand like a local '
                                               'action to start a transaction.'),
 ('AuthCtrlr', 'DisableRemoteAuthorization', None): (False,
                                                     'boolean',
                                                     None,
                                                     'When set to true this instructs the Charging '
                                                     'Station to not issue any '
                                                     'AuthorizationRequests, but only use '
                                                     'Authorization Cache and Local Authorization '
                                                     'List to determine validity of idTokens.'),
 ('AuthCtrlr', 'Enabled', None): (False,
                                  'boolean',
                                  None,
                                  'If set to false, then no authorization is done before starting '
                                  'a transaction or when reading an idToken.'),
 ('AuthCtrlr', 'LocalAuthorizeOffline', None): (True,
                                                'boolean',
                                                None,
                                                'Whether the Charging Station, when Offline, will '
                                                'start a transaction for locally-authorized '
                                                'identifiers'),
 ('AuthCtrlr', 'LocalPreAuthorize', None): (True,
                                            'boolean',
                                            None,
                                            'Whether the Charging Station, when online, will start '
                                            'a transaction for locally-authorized identifiers '
                                            'without waiting for or requesting an '
                                            'AuthorizeResponse from the CSMS.'),
 ('AuthCtrlr', 'MasterPassGroupId', None): (False,
                                            'string',
                                            None,
                                            'IdTokens that have this id as groupId belong to the '
                                            'Master Pass Group.'),
 ('AuthCtrlr', 'OfflineTxForUnknownIdEnabled', None): (False,
                                                       'boolean',
                                                       None,
                                                       'Support for unknown offline transactions.'),
 ('CHAdeMOCtrlr', 'AutoManufacturerCode', None): (False,
                                                  'integer',
                                                  None,
                                                  "Auto manufacturer code (H'700.0)"),
 ('CHAdeMOCtrlr', 'CHAdeMOProtocolNumber', None): (False,
                                                   'integer',
                                                   None,
                                                   "CHAdeMO protocol number (H'102.0)"),
 ('CHAdeMOCtrlr', 'DynamicControl', None): (False,
                                            'boolean',
                                            None,
                                            'Vehicle is compatible with dynamic control '
                                            "(H'110.0.0)"),
 ('CHAdeMOCtrlr', 'HighCurrentControl', None): (False,
                                                'boolean',
                                                None,
                                                'Vehicle is compatible with high current control '
                                                "(H'110.0.1)"),
 ('CHAdeMOCtrlr', 'HighVoltageControl', None): (False,
                                                'boolean',
                                                None,
                                                'Vehicle is compatible with high voltage control '
                                                "(H'110.1.2)"),
 ('CHAdeMOCtrlr', 'SelftestActive', None): (False,
                                            'boolean',
                                            None,
                                            'Self-test is active or self-test is started by '
                                            'setting to true.'),
 ('CHAdeMOCtrlr', 'VehicleStatus', None): (False, 'boolean', None, "Vehicle status (H'102.5.3)"),
 ('CPPWMController', 'State', None): (False,
                                      'string',
                                      None,
                                      '"IEC 61851-1 states (""A"" to ""E"")"'),
 ('ChargingStation', 'AllowNewSessionsPendingFirmwareUpdate', None): (False,
                                                                      'boolean',
                                                                      None,
                                                                      'Indicates whether new '
                                                                      'sessions can be started on '
                                                                      'EVSEs, while Charging '
                                                                      'Station is waiting for all '
                                                                      'EVSEs to become Available '
                                                                      'in order to start a pending '
                                                                      'firmware update'),
 ('ChargingStation', 'AvailabilityState', None): (True,
                                                  'OptionList',
                                                  None,
                                                  'This variable reports current availability '
                                                  'state for the ChargingStation'),
 ('ChargingStation', 'Available', None): (True, 'boolean', None, 'Component exists'),
 ('ChargingStation', 'Model', None): (False,
                                      'string',
                                      None,
                                      'Charging station model as reported in BootNotification.'),
 ('ChargingStation', 'SupplyPhases', None): (True,
                                             'integer',
                                             None,
                                             'Number of alternating current phases '
                                             'connected/available.'),
 ('ChargingStation', 'VendorName', None): (False,
                                           'string',
                                           None,
                                           'Charging station vendor name as reported in '
                                           'BootNotification.'),
 ('ClockCtrlr', 'DateTime', None): (True, 'dateTime', None, 'Contains the current date and time'),
 ('ClockCtrlr', 'NextTimeOffsetTransitionDateTime', None): (False,
                                                            'dateTime',
                                                            None,
                                                            'Date time of the next time offset '
                                                            'transition.'),
 ('ClockCtrlr', 'NtpServerUri', None): (False,
                                        'string',
                                        None,
                                        'This contains the address of the NTP server.'),
 ('ClockCtrlr', 'NtpSource', None): (False,
                                     'OptionList',
                                     None,
                                     'When an NTP client is implemented, this variable can be used '
                                     'to configure the client'),
 ('ClockCtrlr', 'TimeAdjustmentReportingThreshold', None): (False,
                                                            'integer',
                                                            None,
                                                            'If set, then time adjustments with an '
                                                            'absolute value in seconds larger than '
                                                            'this need to be reported as a '
                                                            'security event SettingSystemTime'),
 ('ClockCtrlr', 'TimeOffset', None): (False,
                                      'string',
                                      None,
                                      'A Time Offset with respect to Coordinated Universal Time '
                                      '(aka UTC or Greenwich Mean Time) in the form of an '
                                      '[RFC3339] time (zone) offset suffix, including the '
                                      'mandatory “+” or “-“ prefix.'),
 ('ClockCtrlr', 'TimeSource', None): (True,
                                      'SequenceList',
                                      None,
                                      'Via this variable, the Charging Station provides the CSMS '
                                      'with the option to configure multiple clock sources'),
 ('ClockCtrlr', 'TimeZone', None): (False,
                                    'string',
                                    None,
                                    '"Configured current local time zone in the format: '
                                    '""Europe/Oslo"", ""Asia/Singapore"" etc.'),
 ('ConnectedEV', 'ProtocolAgreed', None): (False,
                                           'string',
                                           None,
                                           'Information about uri and version that was agreed upon '
                                           'between EV and EVSE in the supportedAppProtocolReq '
                                           'message from ISO 15118.'),
 ('ConnectedEV', 'ProtocolSupportedByEV', None): (False,
                                                  'string',
                                                  None,
                                                  'Information from the supportedAppProtocolReq '
                                                  'message from ISO 15118.'),
 ('ConnectedEV', 'VehicleID', None): (False,
                                      'string',
                                      None,
                                      'EVCCID (from ISO 15118 SessionSetupReq)'),
 ('Connector', 'AvailabilityState', None): (False,
                                            'OptionList',
                                            None,
                                            'This variable reports current availability state for '
                                            'the Connector.'),
 ('Connector', 'Available', None): (True, 'boolean', None, 'Component exists'),
 ('Connector', 'ChargeProtocol', None): (False,
                                         'string',
                                         None,
                                         'The Charging Control Protocol applicable to a '
                                         'Connector.'),
 ('Connector', 'ConnectorType', None): (True,
                                        'string',
                                        None,
                                        'A value of ConnectorEnumType (See part 2) plus '
                                        'additionally: cGBT, cChaoJi, OppCharge.'),
 ('Connector', 'SupplyPhases', None): (True,
                                       'integer',
                                       None,
                                       'Number of alternating current phases connected/available.'),
 ('Controller', 'MaxMsgElements', None): (False,
                                          'integer',
                                          None,
                                          'Array of implementation-defined limits to the number of '
                                          'elements of specific type that the Charging Station can '
                                          'accept in one message.'),
 ('CustomizationCtrlr', 'CustomImplementationEnabled', None): (False,
                                                               'boolean',
                                                               None,
                                                               'Custom implementation has been '
                                                               'enabled.'),
 ('DeviceDataCtrlr', 'BytesPerMessage', 'GetReport'): (True,
                                                       'integer',
                                                       None,
                                                       'Maximum number of bytes in a message '
                                                       'related to instance name: GetReport, '
                                                       'GetVariables, SetVariables'),
 ('DeviceDataCtrlr', 'BytesPerMessage', 'GetVariables'): (True,
                                                          'integer',
                                                          None,
                                                          'Maximum number of bytes in a message '
                                                          'related to instance name: GetReport, '
                                                          'GetVariables, SetVariables'),
 ('DeviceDataCtrlr', 'BytesPerMessage', 'SetVariables'): (True,
                                                          'integer',
                                                          None,
                                                          'Maximum number of bytes in a message '
                                                          'related to instance name: GetReport, '
                                                          'GetVariables, SetVariables'),
 ('DeviceDataCtrlr', 'ConfigurationValueSize', None): (False,
                                                       'integer',
                                                       None,
                                                       'The limit to the following fields: '
                                                       'SetVariableData.attributeValue and '
                                                       'VariableCharacteristics.valueList.'),
 ('DeviceDataCtrlr', 'ItemsPerMessage', 'GetReport'): (True,
                                                       'integer',
                                                       None,
                                                       'Maximum number of ComponentVariable '
                                                       'entries in message related to the instance '
                                                       'name: GetReport, GetVariables, '
                                                       'SetVariables'),
 ('DeviceDataCtrlr', 'ItemsPerMessage', 'GetVariables'): (True,
                                                          'integer',
                                                          None,
                                                          'Maximum number of ComponentVariable '
                                                          'entries in message related to the '
                                                          'instance name: GetReport, GetVariables, '
                                                          'SetVariables'),
 ('DeviceDataCtrlr', 'ItemsPerMessage', 'SetVariables'): (True,
                                                          'integer',
                                                          None,
                                                          'Maximum number of ComponentVariable '
                                                          'entries in message related to the '
                                                          'instance name: GetReport, GetVariables, '
                                                          'SetVariables'),
 ('DeviceDataCtrlr', 'ReportingValueSize', None): (False,
                                                   'integer',
                                                   None,
                                                   'The limit to the following fields: '
                                                   'GetVariableResult.attributeValue, '
                                                   'VariableAttribute.value and '
                                                   'EventData.actualValue.'),
 ('DeviceDataCtrlr', 'ValueSize', None): (False,
                                          'integer',
                                          None,
                                          'Can be used to limit the following fields: '
                                          'SetVariableData.attributeValue, '
                                          'GetVariableResult.attributeValue, '
                                          'VariableAttribute.value, '
                                          'VariableCharacteristics.valueList and '
                                          'EventData.actualValue.'),
 ('DisplayMessageCtrlr', 'Available', None): (False,
                                              'boolean',
                                              None,
                                              'Whether display messages are supported.'),
 ('DisplayMessageCtrlr', 'DisplayMessages', None): (True,
                                                    'integer',
                                                    None,
                                                    'Amount of different messages that are '
                                                    'currently configured in this Charging '
                                                    'Station, via SetDisplayMessageRequest'),
 ('DisplayMessageCtrlr', 'Enabled', None): (False,
                                            'boolean',
                                            None,
                                            'Whether display messages are enabled.'),
 ('DisplayMessageCtrlr', 'PersonalMessageSize', None): (False,
                                                        'integer',
                                                        None,
                                                        'Max size (in characters) of the personal '
                                                        'message element of the IdTokenInfo data '
                                                        '(0 specifies no personal data may be '
                                                        'stored).'),
 ('DisplayMessageCtrlr', 'SupportedFormats', None): (True,
                                                     'MemberList',
                                                     None,
                                                     'List of message formats supported by this '
                                                     'Charging Station.'),
 ('DisplayMessageCtrlr', 'SupportedPriorities', None): (True,
                                                        'MemberList',
                                                        None,
                                                        'List of the priorities supported by this '
                                                        'Charging Station.'),
 ('DistributionPanel', 'ChargingStation', None): (False,
                                                  'string',
                                                  None,
                                                  'Identity of charging station connected to the '
                                                  'distribution panel.'),
 ('DistributionPanel', 'DistributionPanel', None): (False,
                                                    'string',
                                                    None,
                                                    'List of Distribution Panels InstanceNames '
                                                    'connected to this LocalController.'),
 ('DistributionPanel', 'Fuse', None): (False,
                                       'integer',
                                       'A',
                                       'Fuse (index n) is the fuse for phase Ln in Ampere'),
 ('EVSE', 'AllowReset', None): (False,
                                'boolean',
                                None,
                                'Can be used to announce that an EVSE can be reset individually'),
 ('EVSE', 'AvailabilityState', None): (True,
                                       'OptionList',
                                       None,
                                       'This variable reports current availability state for the '
                                       'EVSE'),
 ('EVSE', 'Available', None): (True, 'boolean', None, 'Component exists'),
 ('EVSE', 'EvseId', None): (False,
                            'string',
                            None,
                            'The name of the EVSE in the string format as required by ISO 15118 '
                            'and IEC 63119-2.'),
 ('EVSE', 'ISO15118EvseId', None): (False,
                                    'string',
                                    None,
                                    '"The name of the EVSE in the string format as required by ISO '
                                    '15118 and IEC 63119-2.'),
 ('EVSE', 'Power', None): (True,
                           'decimal',
                           'W, kW',
                           'The variableCharacteristic maxLimit, that holds the maximum power that '
                           'this EVSE can provide, is required.'),
 ('EVSE', 'SupplyPhases', None): (True,
                                  'integer',
                                  None,
                                  'Number of alternating current phases connected/available.'),
 ('FiscalMetering', 'EnergyExport', None): (False,
                                            'decimal',
                                            'Wh, kWh',
                                            'Total energy transferred: e.g.'),
 ('FiscalMetering', 'EnergyExportRegister', None): (False,
                                                    'decimal',
                                                    'Wh, kWh',
                                                    'Cumulative export kWh register value, such as '
                                                    'from a (certified) fiscal energy meter.'),
 ('FiscalMetering', 'EnergyImport', None): (False,
                                            'decimal',
                                            'Wh, kWh',
                                            'Total energy transferred.'),
 ('FiscalMetering', 'EnergyImportRegister', None): (False,
                                                    'decimal',
                                                    'Wh, kWh',
                                                    'Cumulative export kWh register value, such as '
                                                    'from a (certified) fiscal energy meter.'),
 ('ISO15118Ctrlr', 'CentralContractValidationAllowed', None): (False,
                                                               'boolean',
                                                               None,
                                                               'If this variable exists and has '
                                                               'the value true, then Charging '
                                                               'Station can provide a contract '
                                                               'certificate that it cannot '
                                                               'validate, to the CSMS for '
                                                               'validation as part of the '
                                                               'AuthorizeRequest.'),
 ('ISO15118Ctrlr', 'ContractCertificateInstallationEnabled', None): (False,
                                                                     'boolean',
                                                                     None,
                                                                     'If this variable is true, '
                                                                     'then ISO 15118 contract '
                                                                     'certificate '
                                                                     'installation/update as '
                                                                     'described by use case M01 - '
                                                                     'Certificate installation EV '
                                                                     'and M02 - Certificate Update '
                                                                     'EV is enabled.'),
 ('ISO15118Ctrlr', 'ContractValidationOffline', None): (True,
                                                        'boolean',
                                                        None,
                                                        'If this variable is true, then Charging '
                                                        'Station will try to validate a contract '
                                                        'certificate when it is offline'),
 ('ISO15118Ctrlr', 'CountryName', None): (False,
                                          'string',
                                          None,
                                          '"The countryName of the SECC in the ISO 3166-1 format.'),
 ('ISO15118Ctrlr', 'MaxScheduleEntries', None): (False,
                                                 'integer',
                                                 None,
                                                 'Maximum number of allowed schedule periods.'),
 ('ISO15118Ctrlr', 'OrganizationName', None): (False,
                                               'string',
                                               None,
                                               '"The organizationName of the CSO operating the '
                                               'charging station.'),
 ('ISO15118Ctrlr', 'PnCEnabled', None): (False,
                                         'boolean',
                                         None,
                                         'If this variable is true, then ISO 15118 plug and charge '
                                         'as described by use case C07 - Authorization using '
                                         'Contract Certificates is enabled.'),
 ('ISO15118Ctrlr', 'RequestMeteringReceipt', None): (False,
                                                     'boolean',
                                                     None,
                                                     'If true, then Charging Station shall request '
                                                     'a metering receipt from EV.'),
 ('ISO15118Ctrlr', 'RequestedEnergyTransferMode', None): (False,
                                                          'OptionList',
                                                          None,
                                                          'The requested energy transfer mode.'),
 ('ISO15118Ctrlr', 'SeccId', None): (False,
                                     'string',
                                     None,
                                     'The ID of the SECC in string format as defined by ISO15118.'),
 ('ISO15118Ctrlr', 'V2GCertificateInstallationEnabled', None): (False,
                                                                'boolean',
                                                                None,
                                                                'If this variable is true, then '
                                                                'ISO 15118 V2G Charging Station '
                                                                'certificate installation as '
                                                                'described by use case A02 - '
                                                                'Update Charging Station '
                                                                'Certificate by request of CSMS '
                                                                'and A03 - Update Charging Station '
                                                                'Certificate initiated by the '
                                                                'Cha…'),
 ('LocalAuthListCtrlr', 'Available', None): (False,
                                             'boolean',
                                             None,
                                             'Local Authorization List is available.'),
 ('LocalAuthListCtrlr', 'BytesPerMessage', None): (True,
                                                   'integer',
                                                   None,
                                                   'Maximum number of bytes in a SendLocalList '
                                                   'message.'),
 ('LocalAuthListCtrlr', 'DisablePostAuthorize', None): (False,
                                                        'boolean',
                                                        None,
                                                        'When set to true this variable disables '
                                                        'the behavior to request authorization for '
                                                        'an idToken that is stored in the local '
                                                        'authorization list with a status other '
                                                        'than Accepted, as stated in C14.FR.03.'),
 ('LocalAuthListCtrlr', 'Enabled', None): (False,
                                           'boolean',
                                           None,
                                           'If this variable exists and reports a value of true, '
                                           'Local Authorization List is enabled.'),
 ('LocalAuthListCtrlr', 'Entries', None): (True,
                                           'integer',
                                           None,
                                           'Amount of IdTokens currently in the Local '
                                           'Authorization List'),
 ('LocalAuthListCtrlr', 'ItemsPerMessage', None): (True,
                                                   'integer',
                                                   None,
                                                   'Maximum number of records in SendLocalList'),
 ('LocalAuthListCtrlr', 'Storage', None): (False,
                                           'integer',
                                           'B',
                                           'Indicates the number of bytes currently used by the '
                                           'Local Authorization List.'),
 ('LocalEnergyStorage', 'Capacity', None): (False, 'decimal', 'Wh', 'Maximum storage capacity'),
 ('MonitoringCtrlr', 'ActiveMonitoringBase', None): (False,
                                                     'OptionList',
                                                     None,
                                                     'Shows the currently used MonitoringBase.'),
 ('MonitoringCtrlr', 'ActiveMonitoringLevel', None): (False,
                                                      'integer',
                                                      None,
                                                      'Shows the currently used MonitoringLevel.'),
 ('MonitoringCtrlr', 'Available', None): (False,
                                          'boolean',
                                          None,
                                          'Whether monitoring is available'),
 ('MonitoringCtrlr', 'BytesPerMessage', 'ClearVariableMonitoring'): (False,
                                                                     'integer',
                                                                     None,
                                                                     'Maximum number of bytes in a '
                                                                     'ClearVariableMonitoring '
                                                                     'message.'),
 ('MonitoringCtrlr', 'BytesPerMessage', 'SetVariableMonitoring'): (True,
                                                                   'integer',
                                                                   None,
                                                                   'Maximum number of bytes in a '
                                                                   'SetVariableMonitoring message'),
 ('MonitoringCtrlr', 'Enabled', None): (False, 'boolean', None, 'Whether monitoring is enabled.'),
 ('MonitoringCtrlr', 'ItemsPerMessage', 'ClearVariableMonitoring'): (False,
                                                                     'integer',
                                                                     None,
                                                                     'Maximum number of IDs in a '
                                                                     'ClearVariableMonitoringRequest.'),
 ('MonitoringCtrlr', 'ItemsPerMessage', 'SetVariableMonitoring'): (True,
                                                                   'integer',
                                                                   None,
                                                                   'Maximum number of '
                                                                   'setMonitoringData elements '
                                                                   'that can be sent in one '
                                                                   'setVariableMonitoringRequest '
                                                                   'message.'),
 ('MonitoringCtrlr', 'MonitoringBase', None): (False,
                                               'OptionList',
                                               None,
                                               'Currently used monitoring base (readonly)'),
 ('MonitoringCtrlr', 'MonitoringLevel', None): (False,
                                                'integer',
                                                None,
                                                'Currently used monitoring level (readonly)'),
 ('MonitoringCtrlr', 'OfflineQueuingSeverity', None): (False,
                                                       'integer',
                                                       None,
                                                       'When set and the Charging Station is '
                                                       'offline, the Charging Station shall queue '
                                                       'any notifyEventRequest messages triggered '
                                                       'by a monitor with a severity number equal '
                                                       'to or lower than the severity configured '
                                                       'here.'),
 ('OCPPCommCtrlr', 'ActiveNetworkProfile', None): (False,
                                                   'string',
                                                   None,
                                                   'Indicates the configuration profile the '
                                                   'station uses at that moment to connect to the '
                                                   'network.'),
 ('OCPPCommCtrlr', 'FieldLength', None): (False,
                                          'integer',
                                          None,
                                          'This variable is used to report the length of in when '
                                          'it is larger than the length that is defined in the '
                                          'standard OCPP message schema.'),
 ('OCPPCommCtrlr', 'FileTransferProtocols', None): (True,
                                                    'MemberList',
                                                    None,
                                                    'List of supported file transfer protocols'),
 ('OCPPCommCtrlr', 'HeartbeatInterval', None): (False,
                                                'integer',
                                                's',
                                                'Interval of inactivity (no OCPP exchanges) with '
                                                'CSMS after which the Charging Station should send '
                                                'HeartbeatRequest.'),
 ('OCPPCommCtrlr', 'MessageAttemptInterval', 'TransactionEvent'): (True,
                                                                   'integer',
                                                                   None,
                                                                   'MessageAttemptInterval(TransactionEvent) '
                                                                   'specifies long the Charging '
                                                                   'Station should wait before '
                                                                   'resubmitting a '
                                                                   'TransactionEventRequest '
                                                                   'message that the CSMS failed '
                                                                   'to process.'),
 ('OCPPCommCtrlr', 'MessageAttempts', 'TransactionEvent'): (True,
                                                            'integer',
                                                            None,
                                                            'MessageAttempts(TransactionEvent) '
                                                            'specifies how often the Charging '
                                                            'Station should try to submit a '
                                                            'TransactionEventRequest message when '
                                                            'the CSMS fails to process it.'),
 ('OCPPCommCtrlr', 'MessageTimeout', 'Default'): (True,
                                                  'integer',
                                                  's',
                                                  'MessageTimeout(Default) specifies after which '
                                                  'time a message times out.'),
 ('OCPPCommCtrlr', 'NetworkConfigurationPriority', None): (True,
                                                           'string',
                                                           None,
                                                           'A comma separated ordered list of the '
                                                           'priority of the possible Network '
                                                           'Connection Profiles.'),
 ('OCPPCommCtrlr', 'NetworkProfileConnectionAttempts', None): (True,
                                                               'integer',
                                                               None,
                                                               'Specifies the number of connection '
                                                               'attempts the Charging Station '
                                                               'executes before switching to a '
                                                               'different profile.'),
 ('OCPPCommCtrlr', 'OfflineThreshold', None): (True,
                                               'integer',
                                               's',
                                               'When the offline period of a Charging Station '
                                               'exceeds the OfflineThreshold it is recommended to '
                                               'send a StatusNotificationRequest for all its '
                                               'Connectors.'),
 ('OCPPCommCtrlr', 'PublicKeyWithSignedMeterValue', None): (False,
                                                            'OptionList',
                                                            None,
                                                            'This Configuration Variable can be '
                                                            'used to configure whether a public '
                                                            'key needs to be sent with a signed '
                                                            'meter value.'),
 ('OCPPCommCtrlr', 'QueueAllMessages', None): (False,
                                               'boolean',
                                               None,
                                               'When this variable is set to true, the Charging '
                                               'Station will queue all message until they are '
                                               'delivered to the CSMS.'),
 ('OCPPCommCtrlr', 'ResetRetries', None): (True,
                                           'integer',
                                           None,
                                           'Number of times to retry a reset of the Charging '
                                           'Station when a reset was unsuccessful'),
 ('OCPPCommCtrlr', 'RetryBackOffRandomRange', None): (False,
                                                      'integer',
                                                      None,
                                                      'When the Charging Station is reconnecting, '
                                                      'after a connection loss, it will use this '
                                                      'variable as the maximum value for the '
                                                      'random part of the back-off time'),
 ('OCPPCommCtrlr', 'RetryBackOffRepeatTimes', None): (False,
                                                      'integer',
                                                      None,
                                                      'When the Charging Station is reconnecting, '
                                                      'after a connection loss, it will use this '
                                                      'variable for the amount of times it will '
                                                      'double the previous back-off time.'),
 ('OCPPCommCtrlr', 'RetryBackOffWaitMinimum', None): (False,
                                                      'integer',
                                                      None,
                                                      'When the Charging Station is reconnecting, '
                                                      'after a connection loss, it will use this '
                                                      'variable as the minimum back-off time, the '
                                                      'first time it tries to reconnect.'),
 ('OCPPCommCtrlr', 'UnlockOnEVSideDisconnect', None): (True,
                                                       'boolean',
                                                       None,
                                                       'When set to true, the Charging Station '
                                                       'SHALL unlock the cable on the Charging '
                                                       'Station side when the cable is unplugged '
                                                       'at the EV.'),
 ('OCPPCommCtrlr', 'WebSocketPingInterval', None): (False,
                                                    'integer',
                                                    's',
                                                    '0 disables client side websocket Ping/Pong.'),
 ('ReservationCtrlr', 'Available', None): (False,
                                           'boolean',
                                           None,
                                           'Whether reservation is supported.'),
 ('ReservationCtrlr', 'Enabled', None): (False, 'boolean', None, 'Whether reservation is enabled.'),
 ('ReservationCtrlr', 'NonEvseSpecific', None): (False,
                                                 'boolean',
                                                 None,
                                                 'If this configuration variable is present and '
                                                 'set to true: Charging Station supports '
                                                 'Reservation where EVSE id is not specified.'),
 ('SampledDataCtrlr', 'Available', None): (False,
                                           'boolean',
                                           None,
                                           'If this variable reports a value of true, Sampled Data '
                                           'is supported'),
 ('SampledDataCtrlr', 'Enabled', None): (False,
                                         'boolean',
                                         None,
                                         'If this variable reports a value of true, Sampled Data '
                                         'is enabled.'),
 ('SampledDataCtrlr', 'RegisterValuesWithoutPhases', None): (False,
                                                             'boolean',
                                                             None,
                                                             'If this variable reports a value of '
                                                             'true, then meter values of measurand '
                                                             'Energy.Active.Import.Register will '
                                                             'only report the total energy over '
                                                             'all phases without reporting the '
                                                             'individual phase values.'),
 ('SampledDataCtrlr', 'SignReadings', None): (False,
                                              'boolean',
                                              None,
                                              'If set to true, the Charging Station SHALL include '
                                              'signed meter values in the TransactionEventRequest '
                                              'to the CSMS'),
 ('SampledDataCtrlr', 'TxEndedInterval', None): (True,
                                                 'integer',
                                                 's',
                                                 'Interval between sampling of metering (or other) '
                                                 'data, intended to be transmitted in the '
                                                 'TransactionEventRequest (eventType = Ended) '
                                                 'message.'),
 ('SampledDataCtrlr', 'TxEndedMeasurands', None): (True,
                                                   'MemberList',
                                                   None,
                                                   'Sampled measurands to be included in the '
                                                   'meterValues element of TransactionEventRequest '
                                                   '(eventType = Ended), every '
                                                   'SampledDataTxEndedInterval seconds from the '
                                                   'start of the transaction.'),
 ('SampledDataCtrlr', 'TxStartedMeasurands', None): (True,
                                                     'MemberList',
                                                     None,
                                                     'Sampled measurand(s) to be taken at the '
                                                     'start of any transaction to be included in '
                                                     'the meterValues field of the first '
                                                     'TransactionEventRequest message send at the '
                                                     'start of a transaction (eventType = '
                                                     'Started)'),
 ('SampledDataCtrlr', 'TxUpdatedInterval', None): (True,
                                                   'integer',
                                                   's',
                                                   'Interval between sampling of metering (or '
                                                   'other) data, intended to be transmitted via '
                                                   'TransactionEventRequest (eventType = Updated) '
                                                   'messages'),
 ('SampledDataCtrlr', 'TxUpdatedMeasurands', None): (True,
                                                     'MemberList',
                                                     None,
                                                     'Sampled measurands to be included in the '
                                                     'meterValues element of '
                                                     'TransactionEventRequest (eventType = Ended)'),
 ('SecurityCtrlr', 'AdditionalRootCertificateCheck', None): (False,
                                                             'boolean',
                                                             None,
                                                             'Required for all security profiles '
                                                             'except profile 1.'),
 ('SecurityCtrlr', 'BasicAuthPassword', None): (False,
                                                'passwordString',
                                                None,
                                                'The basic authentication password is used for '
                                                'HTTP Basic Authentication.'),
 ('SecurityCtrlr', 'CertSigningRepeatTimes', None): (False,
                                                     'integer',
                                                     None,
                                                     'Number of times to resend a '
                                                     'SignCertificateRequest when CSMS does nor '
                                                     'return a signed certificate.'),
 ('SecurityCtrlr', 'CertSigningWaitMinimum', None): (False,
                                                     'integer',
                                                     's',
                                                     'Seconds to wait before generating another '
                                                     'CSR in case CSMS does not return a signed '
                                                     'certificate.'),
 ('SecurityCtrlr', 'CertificateEntries', None): (True,
                                                 'integer',
                                                 None,
                                                 'Amount of Certificates currently installed on '
                                                 'the Charging Station'),
 ('SecurityCtrlr', 'Identity', None): (False,
                                       'identifierString',
                                       None,
                                       'The Charging Station identity.'),
 ('SecurityCtrlr', 'MaxCertificateChainSize', None): (False,
                                                      'integer',
                                                      None,
                                                      "Limit of the size of the 'certificateChain' "
                                                      'field from the CertificateSignedRequest'),
 ('SecurityCtrlr', 'OrganizationName', None): (True,
                                               'string',
                                               None,
                                               'The organization name of the CSO or an '
                                               'organization trusted by the CSO.'),
 ('SecurityCtrlr', 'SecurityProfile', None): (True,
                                              'integer',
                                              None,
                                              'The security profile used by the Charging Station.'),
 ('SmartChargingCtrlr', 'ACPhaseSwitchingSupported', None): (False,
                                                             'boolean',
                                                             None,
                                                             'This variable can be used to '
                                                             'indicate an on-load/in-transaction '
                                                             'capability.'),
 ('SmartChargingCtrlr', 'Available', None): (False,
                                             'boolean',
                                             None,
                                             'Whether smart charging is supported.'),
 ('SmartChargingCtrlr', 'Enabled', None): (False,
                                           'boolean',
                                           None,
                                           'Whether smart charging is enabled.'),
 ('SmartChargingCtrlr', 'Entries', 'ChargingProfiles'): (True,
                                                         'integer',
                                                         None,
                                                         'Entries(ChargingProfiles) is the amount '
                                                         'of Charging profiles currently installed '
                                                         'on the Charging Station'),
 ('SmartChargingCtrlr', 'ExternalControlSignalsEnabled', None): (False,
                                                                 'boolean',
                                                                 None,
                                                                 'Indicates whether a Charging '
                                                                 'Station should respond to '
                                                                 'external control signals that '
                                                                 'influence charging.'),
 ('SmartChargingCtrlr', 'LimitChangeSignificance', None): (True,
                                                           'decimal',
                                                           'Percent',
                                                           'If at the Charging Station side a '
                                                           'change in the limit in a '
                                                           'ChargingProfile is lower than this '
                                                           'percentage, the Charging Station MAY '
                                                           'skip sending a '
                                                           'NotifyChargingLimitRequest or a '
                                                           'TransactionEventRequest message to the '
                                                           'CSMS.'),
 ('SmartChargingCtrlr', 'NotifyChargingLimitWithSchedules', None): (False,
                                                                    'boolean',
                                                                    None,
                                                                    'Indicates if the Charging '
                                                                    'Station should include the '
                                                                    'externally set charging '
                                                                    'limit/schedule in the message '
                                                                    'when it sends a '
                                                                    'NotifyChargingLimitRequest '
                                                                    'message.'),
 ('SmartChargingCtrlr', 'PeriodsPerSchedule', None): (True,
                                                      'integer',
                                                      None,
                                                      'Maximum number of periods that may be '
                                                      'defined per ChargingSchedule.'),
 ('SmartChargingCtrlr', 'Phases3to1', None): (False,
                                              'boolean',
                                              None,
                                              'If defined and true, this Charging Station supports '
                                              'switching from 3 to 1 phase during a transaction'),
 ('SmartChargingCtrlr', 'ProfileStackLevel', None): (True,
                                                     'integer',
                                                     None,
                                                     'Maximum acceptable value for stackLevel in a '
                                                     'ChargingProfile.'),
 ('SmartChargingCtrlr', 'RateUnit', None): (True,
                                            'MemberList',
                                            None,
                                            'A list of supported quantities for use in a '
                                            'ChargingSchedule.'),
 ('TariffCostCtrlr', 'Available', 'Cost'): (False,
                                            'boolean',
                                            None,
                                            'Instance Cost: Wheter costs are supported.'),
 ('TariffCostCtrlr', 'Available', 'Tariff'): (False,
                                              'boolean',
                                              None,
                                              'Instance Tariff: Whether tariffs are supported.'),
 ('TariffCostCtrlr', 'Currency', None): (True,
                                         'string',
                                         None,
                                         'Currency used by this Charging Station in a ISO 4217 '
                                         '[ISO4217] formatted currency code.'),
 ('TariffCostCtrlr', 'Enabled', 'Cost'): (False,
                                          'boolean',
                                          None,
                                          'Instance Cost: Wheter costs are enabled.'),
 ('TariffCostCtrlr', 'Enabled', 'Tariff'): (False,
                                            'boolean',
                                            None,
                                            'Instance Tariff: Whether tariffs are enabled.'),
 ('TariffCostCtrlr', 'TariffFallbackMessage', None): (True,
                                                      'string',
                                                      None,
                                                      'Message (and/or tariff information) to be '
                                                      'shown to an EV Driver when there is no '
                                                      'driver specific tariff information '
                                                      'available.'),
 ('TariffCostCtrlr', 'TotalCostFallbackMessage', None): (True,
                                                         'string',
                                                         None,
                                                         'Message to be shown to an EV Driver when '
                                                         'the Charging Station cannot retrieve the '
                                                         'cost for a transaction at the end of the '
                                                         'transaction.'),
 ('TokenReader', 'Token', None): (False,
                                  'string',
                                  None,
                                  'String of bytes representing an ID token.'),
 ('TokenReader', 'TokenType', None): (False,
                                      'OptionList',
                                      None,
                                      'Type of Token. Value is one of IdTokenEnumType.'),
 ('TxCtrlr', 'ChargingTime', None): (False,
                                     'decimal',
                                     's',
                                     'Time from earliest to latest substantive energy transfer'),
 ('TxCtrlr', 'EVConnectionTimeOut', None): (True,
                                            'integer',
                                            's',
                                            '"Interval from between ""starting"" of a transaction '
                                            'until incipient transaction is automatically '
                                            'canceled, due to failure of EV driver to (correctly) '
                                            'insert the charging cable connector(s) into the '
                                            'appropriate socket(s).'),
 ('TxCtrlr', 'MaxEnergyOnInvalidId', None): (False,
                                             'integer',
                                             None,
                                             'Maximum amount of energy in Wh delivered when an '
                                             'identifier is deauthorized by the CSMS after start '
                                             'of a transaction.'),
 ('TxCtrlr', 'StopTxOnEVSideDisconnect', None): (True,
                                                 'boolean',
                                                 None,
                                                 'When set to true, the Charging Station SHALL '
                                                 'deauthorize the transaction when the cable is '
                                                 'unplugged from the EV.'),
 ('TxCtrlr', 'StopTxOnInvalidId', None): (True,
                                          'boolean',
                                          None,
                                          'Whether the Charging Station will deauthorize an '
                                          'ongoing transaction when it receives a non- Accepted '
                                          'authorization status in TransactionEventResponse for '
                                          'this transaction.'),
 ('TxCtrlr', 'TxBeforeAcceptedEnabled', None): (False,
                                                'boolean',
                                                None,
                                                'Allow charging before having received a '
                                                'BootNotificationResponse with RegistrationStatus: '
                                                'Accepted.'),
 ('TxCtrlr', 'TxStartPoint', None): (True,
                                     'MemberList',
                                     None,
                                     'Defines when the Charging Station starts a new transaction'),
 ('TxCtrlr', 'TxStopPoint', None): (True,
                                    'MemberList',
                                    None,
                                    'Defines when the Charging Station ends a transaction')}
