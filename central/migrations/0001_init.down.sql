DROP TABLE serials;
DROP TABLE serial_leases;
DROP TABLE serial_series;
DROP TABLE stations;
DROP TABLE steps;
DROP TABLE attempts;
