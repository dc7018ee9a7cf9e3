package sae
